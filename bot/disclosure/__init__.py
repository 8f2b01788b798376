"""Government information disclosure (政务公开): the proactive-disclosure catalog (主动公开目录) and
disclosure requests (依申请公开) with their statutory deadlines."""
