"""Staff accounts: passwords and sign-in, server-side sessions, and changes to an account.

``sessions`` keeps each sign-in as a row the server can end; ``passwords`` checks a sign-in
the same way whether or not the account exists; ``users`` changes an account and ends its
sessions; ``login`` wires these into Flask-Login and the session cookie.
"""
