def navigation(request):
    """What the layout needs on every page: the caller's scopes (for the menu) and unread count.

    Lazy, so pages that do not render the layout (API, fragments) pay nothing.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from django.utils.functional import SimpleLazyObject

    from compounds.scopes import scopes_for
    from governance.accounts.selectors import unread_count

    return {
        "scopes": SimpleLazyObject(lambda: scopes_for(user)),
        "unread_count": SimpleLazyObject(lambda: unread_count(user)),
    }
