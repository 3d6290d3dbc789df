"""The staff home page: what each role needs first when they sign in."""
