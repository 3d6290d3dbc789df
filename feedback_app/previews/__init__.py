"""Previews of a survey as its customers meet it: the invitation email and the hosted page,
on a computer and on a phone, in each of the survey's languages, and "send me a test"."""
