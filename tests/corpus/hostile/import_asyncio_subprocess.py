# expect: forbidden-import-process
import asyncio

async def go(cmd):
    return await asyncio.create_subprocess_shell(cmd)
