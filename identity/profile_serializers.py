"""Input and output shapes of the profile endpoints."""

from rest_framework import serializers

from identity.models import Profile
from identity.serializers import RefusesUnknownFields


class ProfileSerializer(serializers.ModelSerializer):
    has_pin = serializers.BooleanField(read_only=True, help_text="The profile is locked: selecting it needs its PIN.")
    pin_locked = serializers.SerializerMethodField(help_text="Too many wrong PINs: set the PIN again to unlock.")
    active = serializers.SerializerMethodField(help_text="The caller's token (or session) acts for this profile.")

    class Meta:
        model = Profile
        fields = ["id", "name", "avatar", "is_main", "is_kids", "language", "has_pin", "pin_locked", "active"]
        read_only_fields = fields

    def get_pin_locked(self, profile: Profile) -> bool:
        return profile.pin_locked_at is not None

    def get_active(self, profile: Profile) -> bool:
        return profile.pk == self.context.get("active_profile_id")


class ProfileCreateSerializer(RefusesUnknownFields, serializers.Serializer):
    name = serializers.CharField(max_length=50)
    avatar = serializers.CharField(max_length=64, required=False, default="", allow_blank=True)
    is_kids = serializers.BooleanField(required=False, default=False)
    language = serializers.CharField(max_length=8, required=False, default="", allow_blank=True)


class ProfileChangeSerializer(RefusesUnknownFields, serializers.Serializer):
    name = serializers.CharField(max_length=50, required=False)
    avatar = serializers.CharField(max_length=64, required=False, allow_blank=True)
    is_kids = serializers.BooleanField(required=False)
    language = serializers.CharField(max_length=8, required=False, allow_blank=True)


class ProfileSelectSerializer(RefusesUnknownFields, serializers.Serializer):
    pin = serializers.CharField(max_length=16, required=False, allow_blank=True, help_text="The profile's lock PIN.")


class ProfilePinSetSerializer(RefusesUnknownFields, serializers.Serializer):
    pin = serializers.CharField(max_length=16, help_text="4 digits.")
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, help_text="The account's.")


class ProfilePinClearSerializer(RefusesUnknownFields, serializers.Serializer):
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, help_text="The account's.")
