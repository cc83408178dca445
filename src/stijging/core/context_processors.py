from django.conf import settings


def stijging(request):
    return {"STIJGING_DEMO": settings.STIJGING_DEMO}
