import json
import string


def template_render(data, filter=None):
    """Fills $placeholders in the text from the JSON object in filter."""
    values = json.loads(filter) if filter else {}
    template = string.Template(data)
    rendered = template.safe_substitute(values)
    missing = [name for name in template.get_identifiers() if name not in values]
    return {"text": rendered, "missing": missing, "preview": "{:.40}".format(rendered)}
