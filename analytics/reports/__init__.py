"""The staff reports, computed from the rollups (and, for percentiles, the view summaries).

`query` is what a report is asked (range, filters, buckets) and the one filter helper; `sources` reads the
rollup and view rows; `figures` holds the formulas of docs/services/analytics.md; one module per report
(`engagement`, `content`, `title`, `streaming`, `regions`). Other code calls the reports through
`analytics.selectors`.
"""
