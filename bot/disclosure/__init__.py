"""Government information disclosure (政务公开): the proactive-disclosure catalog (主动公开目录),
disclosure requests (依申请公开) with their statutory deadlines, and the annual report
(政府信息公开工作年度报告) drafted from them — docs/disclosure.md."""
