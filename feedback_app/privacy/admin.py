"""``/admin/people``: admins look a customer up by address, download their data, or forget
them after a confirmation that names what goes.

Every step is a POST, so customers' addresses stay out of URLs, browser history and the
access log.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Length

from feedback_app.clock import utcnow
from feedback_app.models import Customer, Role
from feedback_app.privacy.export import export_person, export_text
from feedback_app.privacy.forget import forget_person
from feedback_app.privacy.people import describe_counts, find_customer, look_up, rows_of
from feedback_app.web.auth import role_required

bp = Blueprint("people_admin", __name__, url_prefix="/admin/people", template_folder="templates")


class PersonForm(FlaskForm):
    email = EmailField("Customer's email address", validators=[DataRequired(), Length(max=320)])


class ForgetForm(PersonForm):
    confirm = StringField("Type the address again to confirm", validators=[Length(max=320)])


def _customer(form: PersonForm) -> Customer:
    """The customer the form names; else the page answers at once, 422 for a form that is
    not valid (the field says why) and 404 for an address nobody has."""
    status = 422
    if form.validate_on_submit():
        try:
            customer = find_customer(form.email.data or "")
        except ValueError as error:
            form.email.errors = [str(error)]
        else:
            if customer is not None:
                return customer
            form.email.errors = ["No customer has this address."]
            status = 404
    abort(make_response(render_template("privacy/people.html", form=form), status))


@bp.get("")
@role_required(Role.ADMIN)
def index() -> str:
    return render_template("privacy/people.html", form=PersonForm())


@bp.post("")
@role_required(Role.ADMIN)
def show() -> str:
    form = PersonForm()
    customer = _customer(form)
    return render_template(
        "privacy/people.html",
        form=form,
        customer=customer,
        counts=look_up(customer),
        button=PersonForm(),
    )


@bp.post("/export")
@role_required(Role.ADMIN)
def export() -> WerkzeugResponse:
    """The customer's data as a JSON download."""
    customer = _customer(PersonForm())
    filename = f"customer-{customer.id}.json"
    return Response(
        export_text(export_person(customer, utcnow())),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/forget")
@role_required(Role.ADMIN)
def forget() -> WerkzeugResponse | tuple[str, int]:
    """First the confirmation, naming what will go; with the address typed again, the forget."""
    form = ForgetForm()
    customer = _customer(form)
    typed = (form.confirm.data or "").strip().lower()
    if typed == customer.email:
        # The flash names the customer by id: the address must not live on in the session.
        customer_id = customer.id
        counts = forget_person(customer, utcnow())
        flash(f"Customer {customer_id} is forgotten: {describe_counts(counts)}.", "info")
        return redirect(url_for(".index"))
    if typed:
        form.confirm.errors = ["This is not the address being forgotten."]
    return render_template(
        "privacy/forget.html", form=form, customer=customer, counts=rows_of(customer).counts()
    ), 422 if typed else 200
