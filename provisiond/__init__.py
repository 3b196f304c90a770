"""provisiond: keeps an ISP's network in step with what subscribers pay for."""

__version__ = "0.1.0"
