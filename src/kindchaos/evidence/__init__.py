"""Evidence for a reader: Allure steps and attachments, the timeline chart, findings. Only layer importing allure."""
