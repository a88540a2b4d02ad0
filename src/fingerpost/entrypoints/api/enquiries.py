"""`/api/v1/enquiries`: who else works with this child?"""

from fingerpost.entrypoints.api.bodies import EnquiryIn
from fingerpost.entrypoints.api.caller import Caller, Counters, Installation, resource_router
from fingerpost.entrypoints.api.views import EnquiryOut, SignpostOut
from fingerpost.entrypoints.enquiring import enquire as enquire_child
from fingerpost.entrypoints.guards import requires

__all__ = ["router"]

router = resource_router("enquiries")


@router.post("/enquiries", response_model=EnquiryOut)
@requires("enquiry.make")
def enquire(body: EnquiryIn, caller: Caller, fp: Installation, metrics: Counters) -> EnquiryOut:
    """Who else works with this child? Strong signposts first; your own agency never."""
    enquired = enquire_child(
        fp,
        caller,
        body.purpose,
        body.row(),
        urgent=body.urgent,
        override_reason=body.shield_override_reason,
    )
    result = enquired.result
    signposts = [SignpostOut.of(view) for view in result.signposts]
    metrics.enquiries.inc()
    for signpost in signposts:
        metrics.signposts.labels(signpost.confidence).inc()
    return EnquiryOut(
        enquiry_id=result.enquiry_id,
        enquiry_ref=body.enquiry_ref,
        searched=enquired.searched,
        strong=sum(s.confidence == "strong" for s in signposts),
        possible=sum(s.confidence == "possible" for s in signposts),
        signposts=signposts,
    )
