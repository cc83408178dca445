from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every response the application renders (pages, fragments, PDF
    and XLSX downloads): on a shared tablet the browser's cache and back button must not bring back
    a household's page after logout. Static files never reach this: WhiteNoise answers them first,
    with their own long cache headers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response
