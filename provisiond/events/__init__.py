"""Scheduled events, vacations, triggers and webhook delivery (DESIGN.md §6)."""

from provisiond.events.delivery import Deliverer, Sender
from provisiond.events.errors import DeliveryError, EventsError, RefusedTargetError
from provisiond.events.scheduler import Scheduler
from provisiond.events.sender import HttpSender
from provisiond.events.service import EventsService
from provisiond.events.transitions import Fired, events_for
from provisiond.events.triggers import Triggers

__all__ = [
    "Deliverer",
    "DeliveryError",
    "EventsError",
    "EventsService",
    "Fired",
    "HttpSender",
    "RefusedTargetError",
    "Scheduler",
    "Sender",
    "Triggers",
    "events_for",
]
