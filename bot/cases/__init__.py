"""Case numbers of every kind — applications (办件), disclosure requests (依申请公开) and tickets
(工单): recognition in citizens' messages, normalisation, lookup across the three tables,
verification by the phone's last four digits and the shared lockout (docs/cases.md).

Approvals, disclosure and tickets use this package; none of them imports another's helpers."""
