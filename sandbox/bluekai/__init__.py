"""A loopback stand-in for BlueKai's (Oracle Data Cloud) User Data API: signed calls that attach phints to a user.

Driven in the tests with plain ``requests`` signing its own calls. Imports nothing of the engine.
"""

from sandbox.bluekai.server import BlueKaiSandbox, signature

__all__ = ["BlueKaiSandbox", "signature"]
