"""ECR image operations made atomic, as they are on AWS.

moto's server answers requests on several threads, but its ECR backend keeps a repository's
images in a plain list that BatchDeleteImage edits while it walks it by index
(`for num, image in enumerate(repository.images): ... del repository.images[num]`). Two
BatchDeleteImage calls on one repository at the same time (what any client with more than one
request in flight does) then delete images nobody asked for, report them ImageNotFound to the
caller that did ask, and leave requested images behind. This module serialises the backend's
image operations with one lock, so concurrent calls behave as on AWS. It changes nothing else.

The patch is written against moto 5.2.5's internals and install() refuses to run against
anything else.
"""

import functools
import inspect
import threading

EXPECTED_MOTO = "5.2.5"

# The ECRBackend methods that read or edit a repository's image list.
LOCKED = (
    "put_image",
    "batch_delete_image",
    "batch_get_image",
    "describe_images",
    "list_images",
    "delete_repository",
)

_lock = threading.RLock()


def _locked(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with _lock:
            return method(*args, **kwargs)

    wrapper.__ext_ecr_locked__ = True
    return wrapper


def install() -> None:
    import moto
    from moto.ecr import models

    if moto.__version__ != EXPECTED_MOTO:
        raise RuntimeError(
            f"emulator/ext_ecr.py patches moto {EXPECTED_MOTO} internals, found moto "
            f"{moto.__version__}: re-check the patch against the new source, then update "
            "EXPECTED_MOTO"
        )
    src = inspect.getsource(models.ECRBackend.batch_delete_image)
    if "del repository.images[num]" not in src:
        raise RuntimeError(
            "emulator/ext_ecr.py: moto's ECRBackend.batch_delete_image changed; the patch "
            "must be re-checked"
        )
    for name in LOCKED:
        method = getattr(models.ECRBackend, name)
        if not getattr(method, "__ext_ecr_locked__", False):
            setattr(models.ECRBackend, name, _locked(method))
