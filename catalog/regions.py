"""Regions: ISO 3166-1 alpha-2 country codes, validated and upper-cased the same way wherever one is taken."""

from django.core.exceptions import ValidationError
from django.db import models
from rest_framework import serializers

# The officially assigned codes (ISO 3166-1, 249 of them). User-assigned codes such as XX, ZZ or AA are not
# regions: a viewer placed in one would see an empty catalog.
_ASSIGNED_CODES = (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT "
    "BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH "
    "ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT "
    "HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS "
    "LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI "
    "NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG "
    "SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG "
    "UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW "
)
ISO_3166_1_ALPHA_2 = frozenset(_ASSIGNED_CODES.split())
REGION_CODE_HELP = "Use an ISO 3166-1 alpha-2 country code such as US or DE."


def region_code_normalize(value) -> str:
    """`value` as an upper-case ISO 3166-1 alpha-2 code (`de` -> `DE`); anything else is a ValidationError."""
    code = value.strip().upper() if isinstance(value, str) else ""
    if code not in ISO_3166_1_ALPHA_2:
        raise ValidationError(f"{str(value)[:8]!r} is not a country code. {REGION_CODE_HELP}", code="invalid_region")
    return code


def validate_region_code(value) -> None:
    """Model and form validator (either case; the field upper-cases before saving)."""
    region_code_normalize(value)


class RegionCodeField(models.CharField):
    """A region on a model: two letters, an assigned ISO 3166-1 code, stored upper-case."""

    default_validators = [validate_region_code]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 2)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value.strip().upper() if isinstance(value, str) else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value.strip().upper() if isinstance(value, str) else value


class RegionSerializerField(serializers.CharField):
    """A region in an API body or query: either case in, the upper-case code out; 400 naming the field."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 8)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return region_code_normalize(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
