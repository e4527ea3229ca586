"""Content-Encoding with a size limit: a body that unpacks beyond DOWNLOAD_MAXSIZE is refused as ``too_large``."""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawler.fetch.failures import Refused


class SizeLimitedCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, whose one refusal (the decompressed body outgrew the limit) gets its name.

    1 GB of zeros sent as 1 MB of gzip is cut off at ``DOWNLOAD_MAXSIZE`` and recorded ``too_large``.
    """

    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        try:
            return super().process_response(request, response)
        except Refused:
            raise
        except IgnoreRequest as exc:  # the only one Scrapy raises here: DOWNLOAD_MAXSIZE while decompressing
            raise Refused("too_large", str(exc)) from exc
