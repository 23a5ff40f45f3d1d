"""Control characters stripped from every request's text at the door (issue 10), once for all paths.

`textnorm.strip_controls()` is the rule; this module applies it where input arrives, so every
form of the console, the portal and /admin/, every filter in a query string and every API body
gets it, including forms written later, without a mixin anyone has to remember:

- `ControlCharactersMiddleware` replaces `request.GET` and `request.POST` with cleaned copies;
- the API's parsers (`JSONParser`, `FormParser`, `MultiPartParser`, the REST_FRAMEWORK defaults)
  clean what they parse (DRF reads the body itself, past `request.POST`).

Passwords are left as typed (a secret is compared, never shown or exported). File contents are
not text: uploads are `core.uploads`'s business.
"""

from django.http import UnreadablePostError
from rest_framework import parsers

from .textnorm import strip_controls_in

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _secrets(data) -> set:
    return {key for key in data if isinstance(key, str) and "password" in key.lower()}


class ControlCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.GET:
            request.GET = strip_controls_in(request.GET, keep=_secrets(request.GET))
        from rest_framework.views import APIView  # not at the top: DRF's settings import this module

        view_class = getattr(view_func, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            return None  # the API's own parsers clean its bodies, and answer its parse errors
        if request.method == "POST" and request.content_type in _FORM_TYPES:
            try:
                post = request.POST  # parsed here or already by CsrfViewMiddleware: no extra cost
            except UnreadablePostError:
                return None  # the client went away: as CsrfViewMiddleware, leave it to the view
            request.POST = strip_controls_in(post, keep=_secrets(post))
        return None


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        return strip_controls_in(data, keep=_secrets(data) if isinstance(data, dict) else ())


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        return strip_controls_in(data, keep=_secrets(data))


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        return parsers.DataAndFiles(strip_controls_in(result.data, keep=_secrets(result.data)), result.files)
