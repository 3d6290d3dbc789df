"""Additional questions: a survey's questions after the score, their choices and the answers.

``models`` are the tables; ``service`` loads a survey's questions as domain specs
(``surveys.questions``), stores a customer's answers and an admin's edits, and reads answers
back for the outputs. Kept import-free so ``feedback_app.models`` can import the models.
"""
