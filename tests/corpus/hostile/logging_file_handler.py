# expect: forbidden-import-filesystem
import logging

def run(data, filter=None):
    logging.getLogger().addHandler(logging.FileHandler('/tmp/x.log'))
