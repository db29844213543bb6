"""CMCD parsing of what real players send (hls.js, dash.js, Shaka Player, the CTA-5004 examples)."""

from urllib.parse import parse_qs

import pytest
from django.core.exceptions import ValidationError

from stream import cmcd

# Query strings as hls.js and dash.js append them to segment requests (CMCD v1, query mode).
HLS_JS = (
    "CMCD=bl%3D0%2Cbr%3D1374%2Ccid%3D%22https%3A%2F%2Ftest-streams.mux.dev%2Fx36xhzz%2Fx36xhzz.m3u8%22%2Cd%3D10000"
    "%2Cdl%3D0%2Cmtp%3D31592%2Cot%3Dv%2Csf%3Dh%2Csid%3D%22c936730c-031e-4a73-976f-92bc34039c60%22%2Csu%2Ctb%3D6221"
)
DASH_JS = (
    "CMCD=bl%3D6000%2Cbr%3D1200%2Ccid%3D%2221cf726cfe3d937b5f974f72bb5bd06a%22%2Cd%3D4000%2Cdl%3D6000%2Cmtp%3D12400"
    "%2Cnor%3D%22..%252F2%252Fvideo%252F12.m4s%22%2Cot%3Dv%2Crtp%3D2400%2Csf%3Dd"
    "%2Csid%3D%22b248658d-1d1a-4039-91d0-8c08ba597da5%22%2Cst%3Dv%2Ctb%3D14932"
)
CTA_EXAMPLE = (
    "CMCD=br%3D3200%2Cbs%2Cd%3D4004%2Cmtp%3D25400%2Cot%3Dv%2Crtp%3D15000"
    "%2Csid%3D%226e2fb550-c457-11e9-bb97-0800200c9a66%22%2Ctb%3D6000"
)
# Shaka Player in header mode.
SHAKA_HEADERS = {
    "CMCD-Object": "br=2493,d=4000,ot=v,tb=4839",
    "CMCD-Request": 'bl=12000,mtp=21000,nor="seg-5.mp4"',
    "CMCD-Session": 'cid="shaka-demo",sf=d,sid="0b9f3f14-ba7f-4f57-9b13-1e4ab3a0c6a4",st=v',
}


def query_payload(query: str) -> str:
    return parse_qs(query)["CMCD"][0]


def test_hls_js_startup_request():
    values = cmcd.parse(query_payload(HLS_JS))

    assert values == {
        "bl": 0,
        "br": 1374,
        "cid": "https://test-streams.mux.dev/x36xhzz/x36xhzz.m3u8",
        "d": 10000,
        "dl": 0,
        "mtp": 31592,
        "ot": "v",
        "sf": "h",
        "sid": "c936730c-031e-4a73-976f-92bc34039c60",
        "su": True,
        "tb": 6221,
    }
    assert cmcd.to_metrics(values) == {
        "bitrate_kbps": 1374,
        "buffer_ms": 0,
        "throughput_kbps": 31592,
        "state": "starting",
    }


def test_dash_js_request_with_next_object_and_streaming_format():
    values = cmcd.parse(query_payload(DASH_JS))

    assert values["nor"] == "..%2F2%2Fvideo%2F12.m4s"
    assert (values["sf"], values["st"], values["rtp"], values["tb"]) == ("d", "v", 2400, 14932)
    assert cmcd.to_metrics(values) == {
        "bitrate_kbps": 1200,
        "buffer_ms": 6000,
        "throughput_kbps": 12400,
        "state": "playing",
    }


def test_cta_example_buffer_starved_means_rebuffering():
    values = cmcd.parse(query_payload(CTA_EXAMPLE))

    assert values["bs"] is True
    assert cmcd.to_metrics(values)["state"] == "rebuffering"


def test_shaka_headers_merge_into_one_update():
    values = cmcd.parse_request(query_value=None, headers=SHAKA_HEADERS, body_value=None)

    assert values["cid"] == "shaka-demo"
    assert cmcd.to_metrics(values) == {
        "bitrate_kbps": 2493,
        "buffer_ms": 12000,
        "throughput_kbps": 21000,
        "state": "playing",
    }


def test_architecture_example_in_wire_order():
    assert cmcd.parse('bl=21300,br=3200,bs,cid="t42",mtp=48100,sid="6e2f",su') == {
        "bl": 21300,
        "br": 3200,
        "bs": True,
        "cid": "t42",
        "mtp": 48100,
        "sid": "6e2f",
        "su": True,
    }


def test_v2_state_playhead_sequence_start_delay_and_dropped_frames():
    metrics = cmcd.to_metrics(cmcd.parse('df=17,msd=1250,pt=93000,sid="a",sn=41,sta=p,v=2'))

    assert metrics == {
        "sequence": 41,
        "position_s": 93.0,
        "startup_time_ms": 1250,
        "dropped_frames": 17,
        "state": "playing",
    }


@pytest.mark.parametrize(
    ("sta", "state"),
    [("s", "starting"), ("p", "playing"), ("k", "seeking"), ("r", "rebuffering"), ("a", "paused"), ("e", "ended")],
)
def test_v2_player_states(sta, state):
    assert cmcd.to_metrics(cmcd.parse(f"sta={sta}"))["state"] == state


def test_v2_fatal_error_with_code():
    metrics = cmcd.to_metrics(cmcd.parse('ec="MEDIA_ERR_NETWORK",sta=f'))

    assert metrics["fatal_error"] is True and metrics["error_code"] == "MEDIA_ERR_NETWORK"


def test_v2_inner_lists_take_the_first_item():
    assert cmcd.parse("br=(3000 128;a),bl=(21300 18000)") == {"br": 3000, "bl": 21300}


def test_playback_rate_zero_means_paused():
    assert cmcd.to_metrics(cmcd.parse("br=3000,pr=0"))["state"] == "paused"


def test_commas_and_escapes_inside_strings_and_custom_keys():
    values = cmcd.parse('cid="a,b \\"c\\"",com.example-myKey=7,sid="s"')

    assert values["cid"] == 'a,b "c"'
    assert values["com.example-myKey"] == "7"
    assert cmcd.to_metrics(values) == {"state": "playing"}


def test_empty_payload_is_nothing():
    assert cmcd.parse("") == {}
    assert cmcd.to_metrics({}) == {}


@pytest.mark.parametrize(
    ("payload", "key"),
    [
        ("br=fast", "br"),
        ("bl=-1", "bl"),
        ("mtp=1.5", "mtp"),
        ("sid=unquoted", "sid"),
        ("ot=q", "ot"),
        ("sta=z", "sta"),
        ("br", "br"),
        ("pr=x", "pr"),
        ("su=maybe", "su"),
        ("b r=1", "cmcd"),
    ],
)
def test_malformed_values_name_the_key(payload, key):
    with pytest.raises(ValidationError) as error:
        cmcd.parse(payload)

    assert key in error.value.message_dict
