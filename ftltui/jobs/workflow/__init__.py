"""Workflows: YAML DAGs of module steps, validated up front, run as jobs."""

from ftltui.jobs.workflow.loader import Step, Workflow, load_workflow
from ftltui.jobs.workflow.runner import WorkflowRun, workflow_status

__all__ = ["Step", "Workflow", "WorkflowRun", "load_workflow", "workflow_status"]
