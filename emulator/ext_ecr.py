"""ECR image operations made atomic, and BatchDeleteImage answering as ECR does.

What this simulates, and how it differs from ECR:

- Atomic image operations. moto's server answers requests on several threads, but its ECR
  backend keeps a repository's images in a plain list that BatchDeleteImage edits while it
  walks it by index (`for num, image in enumerate(repository.images): ...
  del repository.images[num]`). Two BatchDeleteImage calls on one repository at the same time
  (what any client with more than one request in flight does) then delete images nobody asked
  for, report them ImageNotFound to the caller that did ask, and leave requested images
  behind. This module serialises the backend's image operations with one lock, so concurrent
  calls give the answers they give on AWS. It differs from ECR in time: ECR runs such calls
  side by side, here they run one after the other, so the emulator cannot show what
  concurrency gains (bench/README.md says so); it shows only that the answers are right.

- Untagged images reported deleted. moto answers a delete by digest with one `imageIds` entry
  per tag the image had, so an untagged image it deletes appears nowhere in the answer:
  neither deleted nor failed. ECR lists it, `{"imageDigest": ...}` alone. This module adds
  that entry for every untagged image a call deleted, so a client needs no extra listing to
  learn what the call did. (An image with tags is answered as moto does: one entry per tag,
  as ECR does.)

The same loop also walks the whole image list for every id of the call, without stopping at
the match: deleting a 5,000-image repository 100 digests at a time costs moto some 12 million
steps (seconds of CPU that no AWS call spends, and that swamp what a client does). For a call
whose ids are all bare digests (what a purge sends), the list moto walks is narrowed to the
images with those digests first, in their order; moto's own code then does the deletion and
builds the answer, so the response is the same, and the untouched images keep their order.

A knob for tests that must act while a purge runs (a signal mid-way): with the environment
variable EXT_ECR_DELETE_DELAY set to a number of seconds, every BatchDeleteImage waits that
long before it starts (outside the lock, so other calls go on meanwhile). Unset, or 0: no
wait.

Another knob, for the answers a racing backend gave before the lock above: with
EXT_ECR_FALSE_NOT_FOUND set to N, the first N digests sent to BatchDeleteImage (counted over
the server's life) are answered ImageNotFound and left in place, as an emulator racing under
concurrent deletes once did. Unset, or 0: every answer is true.

The patch is written against moto 5.2.5's internals and install() refuses to run against
anything else.
"""

import functools
import inspect
import os
import threading
import time

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


def _narrowed(batch_delete_image):
    """BatchDeleteImage over only the images it can match, for digest-only calls."""

    @functools.wraps(batch_delete_image)
    def wrapper(self, repository_name, registry_id=None, image_ids=None):
        repository = self.repositories.get(repository_name)
        if (
            repository is None
            or not image_ids
            or any(set(image_id) != {"imageDigest"} for image_id in image_ids)
        ):
            return batch_delete_image(self, repository_name, registry_id, image_ids)
        wanted = {image_id["imageDigest"] for image_id in image_ids}
        everything = repository.images
        candidates = [i for i in everything if i.get_image_digest() in wanted]
        repository.images = list(candidates)
        try:
            return batch_delete_image(self, repository_name, registry_id, image_ids)
        finally:
            kept = {id(i) for i in repository.images}
            gone = {id(i) for i in candidates if id(i) not in kept}
            repository.images = [i for i in everything if id(i) not in gone]

    wrapper.__ext_ecr_narrowed__ = True
    return wrapper


def _reporting(batch_delete_image):
    """BatchDeleteImage that lists the untagged images it deleted, `{"imageDigest": d}`,
    as ECR does (moto lists one entry per tag, so none for an untagged image)."""

    @functools.wraps(batch_delete_image)
    def wrapper(self, repository_name, registry_id=None, image_ids=None):
        repository = self.repositories.get(repository_name)
        untagged = []
        if repository is not None and image_ids:
            wanted = {
                image_id["imageDigest"]
                for image_id in image_ids
                if "imageDigest" in image_id and "imageTag" not in image_id
            }
            untagged = [
                i
                for i in repository.images
                if not i.image_tags and i.get_image_digest() in wanted
            ]
        response = batch_delete_image(self, repository_name, registry_id, image_ids)
        if untagged:
            left = {id(i) for i in repository.images}
            for image in untagged:
                if id(image) not in left:
                    response["imageIds"].append({"imageDigest": image.get_image_digest()})
        return response

    wrapper.__ext_ecr_reporting__ = True
    return wrapper


def _slowed(method, delay: float):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        time.sleep(delay)
        return method(*args, **kwargs)

    wrapper.__ext_ecr_slowed__ = True
    return wrapper


def _lying(method, count: int):
    """BatchDeleteImage that answers ImageNotFound for the first `count` digests it is sent,
    without deleting them."""
    left = [count]
    guard = threading.Lock()

    @functools.wraps(method)
    def wrapper(self, repository_name, registry_id=None, image_ids=None):
        ids = list(image_ids or [])
        lied = []
        with guard:
            while left[0] > 0 and ids and "imageDigest" in ids[0]:
                lied.append(ids.pop(0))
                left[0] -= 1
        if ids or not lied:
            response = method(self, repository_name, registry_id, ids)
        else:
            response = {"imageIds": [], "failures": []}
        for image_id in lied:
            response["failures"].append(
                {
                    "imageId": {"imageDigest": image_id["imageDigest"]},
                    "failureCode": "ImageNotFound",
                    "failureReason": "Requested image not found",
                }
            )
        return response

    wrapper.__ext_ecr_lying__ = True
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
    backend = models.ECRBackend
    if not getattr(backend.batch_delete_image, "__ext_ecr_locked__", False) and not getattr(
        backend.batch_delete_image, "__ext_ecr_narrowed__", False
    ):
        backend.batch_delete_image = _reporting(_narrowed(backend.batch_delete_image))
    for name in LOCKED:
        method = getattr(models.ECRBackend, name)
        if not getattr(method, "__ext_ecr_locked__", False):
            setattr(models.ECRBackend, name, _locked(method))
    delay = float(os.environ.get("EXT_ECR_DELETE_DELAY") or 0)
    if delay > 0 and not getattr(backend.batch_delete_image, "__ext_ecr_slowed__", False):
        backend.batch_delete_image = _slowed(backend.batch_delete_image, delay)
    lies = int(os.environ.get("EXT_ECR_FALSE_NOT_FOUND") or 0)
    if lies > 0 and not getattr(backend.batch_delete_image, "__ext_ecr_lying__", False):
        backend.batch_delete_image = _lying(backend.batch_delete_image, lies)
