"""POST data of the kooperation forms, built from a saved object."""


def partner_data(partner, **changes):
    data = {
        "name": partner.name,
        "kind": partner.kind,
        "school_type": partner.school_type,
        "municipality": partner.municipality_id or "",
        "address": partner.address,
        "phone": partner.phone,
        "email": partner.email,
        "website": partner.website,
        "version": partner.version,
    }
    return {**data, **changes}
