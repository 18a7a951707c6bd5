"""The web interface (`referat serve`): see `referat.web.server`."""
