"""REST endpoints of this app; `register(router)` is called by governance/urls.py."""


def register(router) -> None:
    pass
