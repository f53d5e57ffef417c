import base64
import binascii


def base64_codec(data, filter=None):
    mode = (filter or "encode").lower()
    if mode == "encode":
        return base64.b64encode(data.encode("utf-8")).decode("ascii")
    if mode == "urlsafe":
        return base64.urlsafe_b64encode(data.encode("utf-8")).decode("ascii")
    try:
        return base64.b64decode(data, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        return {"error": f"not base64 text: {exc}"}
