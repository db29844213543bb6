"""The shapes of the staff reports, for the OpenAPI schema (the reports themselves are built by the selectors)."""

from rest_framework import serializers

Nullable = {"allow_null": True}


class ReportMetaSerializer(serializers.Serializer):
    # `from` and `to` are Python keywords: declared in __init__ below.
    filters = serializers.DictField(child=serializers.CharField(), help_text="The filters applied, by name.")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateTimeField()
        fields["to"] = serializers.DateTimeField()
        return fields


class GranularMetaSerializer(ReportMetaSerializer):
    granularity = serializers.ChoiceField(choices=["hour", "day"])


class ViewFiguresSerializer(serializers.Serializer):
    views = serializers.IntegerField()
    watch_time_s = serializers.FloatField()
    avg_view_length_s = serializers.FloatField(**Nullable)
    completion_rate = serializers.FloatField(**Nullable)
    avg_share_watched = serializers.FloatField(**Nullable)


class QualityFiguresSerializer(serializers.Serializer):
    views = serializers.IntegerField()
    watch_time_s = serializers.FloatField()
    startup_time_avg_ms = serializers.FloatField(**Nullable)
    rebuffer_pct = serializers.FloatField(**Nullable)
    rebuffer_frequency_per_min = serializers.FloatField(**Nullable)
    ebvs_pct = serializers.FloatField(**Nullable)
    failure_pct = serializers.FloatField(**Nullable)
    avg_bitrate_kbps = serializers.FloatField(**Nullable)
    startup_time_median_ms = serializers.FloatField(required=False, **Nullable)
    startup_time_p95_ms = serializers.FloatField(required=False, **Nullable)


class EngagementTotalsSerializer(ViewFiguresSerializer):
    active_users = serializers.IntegerField()
    dau = serializers.FloatField(**Nullable)
    wau = serializers.IntegerField()
    mau = serializers.IntegerField()
    viewers = serializers.IntegerField()
    new_viewers = serializers.IntegerField()
    returning_viewers = serializers.IntegerField()
    watch_time_per_active_user_s = serializers.FloatField(**Nullable)


class EngagementPointSerializer(ViewFiguresSerializer):
    start = serializers.DateTimeField()
    active_users = serializers.IntegerField()


class EngagementReportSerializer(GranularMetaSerializer):
    totals = EngagementTotalsSerializer()
    series = EngagementPointSerializer(many=True)


class ContentRowSerializer(ViewFiguresSerializer):
    title_id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    unique_viewers = serializers.IntegerField(help_text="Accounts that watched.")
    unique_profiles = serializers.IntegerField(help_text="Profiles of those accounts that watched.")


class ContentReportSerializer(ReportMetaSerializer):
    order = serializers.CharField()
    results = ContentRowSerializer(many=True)


class TitleTotalsSerializer(ViewFiguresSerializer):
    unique_viewers = serializers.IntegerField(help_text="Accounts that watched.")
    unique_profiles = serializers.IntegerField(help_text="Profiles of those accounts that watched.")


class ViewPointSerializer(ViewFiguresSerializer):
    start = serializers.DateTimeField()


class RetentionPointSerializer(serializers.Serializer):
    position_pct = serializers.IntegerField()
    share = serializers.FloatField(**Nullable)


class TitleReportSerializer(GranularMetaSerializer):
    title_id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    runtime_s = serializers.IntegerField(**Nullable)
    totals = TitleTotalsSerializer()
    series = ViewPointSerializer(many=True)
    retention = RetentionPointSerializer(many=True)


class QualityRowSerializer(QualityFiguresSerializer):
    key = serializers.CharField()


class QualityPointSerializer(QualityFiguresSerializer):
    start = serializers.DateTimeField()


class StreamingReportSerializer(GranularMetaSerializer):
    overall = QualityFiguresSerializer()
    by_cdn = QualityRowSerializer(many=True)
    by_region = QualityRowSerializer(many=True)
    by_device = QualityRowSerializer(many=True)
    series = QualityPointSerializer(many=True)


class RegionRowSerializer(QualityFiguresSerializer):
    region = serializers.CharField()
    active_users = serializers.IntegerField()
    viewers = serializers.IntegerField()


class RegionsReportSerializer(ReportMetaSerializer):
    results = RegionRowSerializer(many=True)
