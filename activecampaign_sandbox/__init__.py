"""A local emulation of the ActiveCampaign API v3 for tests, demos and benchmarks."""

from .options import SandboxOptions
from .process import SandboxProcess
from .sandbox import Sandbox

__all__ = ["Sandbox", "SandboxOptions", "SandboxProcess"]
