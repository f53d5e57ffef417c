def local_names(data, filter=None):
    # Function-local names that happen to be builtin names shadow them: these are not the builtins.
    input = data.strip()
    vars = input.split()
    compile = [v.upper() for v in vars]
    opener = "(" if filter == "paren" else "["
    return {"opener": opener, "words": compile, "count": len(vars)}
