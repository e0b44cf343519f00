"""Analytics & Reporting: per-person engagement and outcome measures, therapist performance,
de-identified aggregates (crisis, KPIs), cohorts, report definitions and generated reports."""
