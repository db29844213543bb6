"""Which endpoints simulated load calls: every parameterless read endpoint of the target."""

from topology.simulation import read_endpoints


def test_list_endpoints_with_an_optional_trailing_slash_are_simulated():
    endpoints = read_endpoints("catalog")
    assert "/api/catalog/movies/" in endpoints
    assert "/api/catalog/shows/" in endpoints
    assert "/api/catalog/status/" in endpoints


def test_routes_that_take_parameters_are_not():
    for service in ("catalog", "identity", "stream", "analytics", "recommend"):
        for path in read_endpoints(service):
            assert not any(char in path for char in "(<?\\"), path


def test_every_service_has_its_reads():
    assert "/api/identity/users/" in read_endpoints("identity")
    assert "/api/analytics/engagement/" in read_endpoints("analytics")
