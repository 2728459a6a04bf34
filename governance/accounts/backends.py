from django.contrib.auth.backends import ModelBackend


class PhoneOrUsernameBackend(ModelBackend):
    """Authenticate with a mobile number or a username (see ``LinliUserManager.get_by_natural_key``)."""
