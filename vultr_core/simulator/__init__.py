"""A faithful local imitation of Vultr's management API v2 and Serverless Inference API, for
demo mode, tests and benchmarks.

    sim = Simulator(size="small", seed=7)
    client = httpx.Client(base_url="https://api.vultr.com/v2", transport=sim.transport(),
                          headers={"Authorization": f"Bearer {DEMO_API_KEY}"})

or over HTTP: `with sim.serve() as server: httpx.get(server.base_url + "/v2/regions")`.
"""

from .core import DEMO_API_KEY, DEMO_INFERENCE_KEY, Simulator
from .faults import Faults
from .inference import DEMO_REPLY_PACE
from .messages import LoggedRequest
from .server import SimulatorServer

__all__ = [
    "DEMO_API_KEY",
    "DEMO_INFERENCE_KEY",
    "DEMO_REPLY_PACE",
    "Faults",
    "LoggedRequest",
    "Simulator",
    "SimulatorServer",
]
