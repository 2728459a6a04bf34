"""The meetings cast is the issue loop's (tests/issues/conftest.py): A1's branch and secretary,
the zone member, the property company and its clerk, the owners' committee member, a department
and its responder, and a resident of B."""

from tests.issues.conftest import *  # noqa: F403 - the shared cast's fixtures
from tests.issues.conftest import _english  # noqa: F401 - autouse: assertions quote English messages
