-- Allocation reads, for every open published set of places, the applications it was offered to
-- before (nobody is offered the same places twice): by place, not by a scan of every offer.
CREATE INDEX offers_by_place ON offers(place_id, id);
