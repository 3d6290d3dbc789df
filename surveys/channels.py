"""Support channels an interaction can arrive on."""

import enum


class Channel(enum.StrEnum):
    EMAIL = "email"
    CHAT = "chat"
    PHONE = "phone"
    SOCIAL = "social"
    OTHER = "other"
