"""A local emulation of the ActiveCampaign API v3 for tests, demos and benchmarks."""

from .sandbox import Sandbox

__all__ = ["Sandbox"]
