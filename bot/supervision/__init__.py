"""电子监察 and 全程告知 of approval applications (docs/supervision.md): stage time limits
(policy), lights and warnings (lights, service), the applicant's stage notices (notices)."""
