"""Small programs run as subprocesses (one per measured run) so every tool is measured alike."""
