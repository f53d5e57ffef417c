# expect: forbidden-attribute
def run(data, filter=None):
    try:
        1 / 0
    except ZeroDivisionError as exc:
        return exc.__traceback__.tb_frame.f_back.f_globals
