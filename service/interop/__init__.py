"""FHIR R4 and CDS Hooks 2.0 interoperability: pure building blocks for the API routes.

* :mod:`.notes`: validate resources, split Bundles, extract note text (DocumentReference,
  Observation).
* :mod:`.risk`: RiskAssessment, OperationOutcome and batch-response Bundles.
* :mod:`.cds_hooks`: services/discovery, request/response/feedback models, prefetch, cards.
* :mod:`.fhir_client`: patient-scoped reads from the EHR's ``fhirServer``.
* :mod:`.capability`: the CapabilityStatement and OperationDefinitions.

This package depends only on :mod:`service.errors` and :mod:`service.config`, never on its
siblings (deid, inference, audit, security).
"""
