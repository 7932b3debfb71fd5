"""cds-sentiment: CDS Hooks and FHIR in, RiskAssessment out, sentiment on NVIDIA Triton."""

__version__ = "0.1.0"
