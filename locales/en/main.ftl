# Sala's interface in English. Every message here must also be in ../km/main.ftl
# (a unit test checks). Keep sentences short and plain: many readers are new to computers.

site-name = Sala
footer = Sala — courses for public servants
nav-label = Main menu
nav-account = My account
nav-admin = Administration
sign-in = Sign in
sign-out = Sign out
register = Create an account
open = Open
next = Next
previous = Previous

home-title = Learn at your own pace
home-lead = Short courses from the ministry, on your phone or on the office computer, in Khmer and English. Finish a course to receive a certificate signed by the ministry.
home-register = or create an account
home-publish = You publish courses for:
home-coordinate = You coordinate learners in:

register-title = Create an account
register-lead = Your names appear on your certificates exactly as you write them here.
register-submit = Create my account
register-have-account = Already have an account?
form-has-errors = Please correct the fields marked below.

field-name-km = Name in Khmer script
field-name-latin = Name in Latin script
field-email = Email address
field-password = Password
field-new-password = New password
field-position = Position
field-province = Province
field-office = Office
field-organisation = Organisation
field-language = Language
field-org-name-km = Name in Khmer
field-org-name-en = Name in English
field-slug = Short name for web addresses
field-kind = Kind
field-parent = Part of
hint-name-km = As on your identity card, for example សុខ ចាន់ធា.
hint-name-latin = As in your passport, for example Sok Chantha.
hint-password = At least 8 characters. A few words you remember is a good password.
hint-slug = Lower-case letters, digits and hyphens, for example pdrd-kratie.

sign-in-forgot = Forgot your password?
sign-in-no-account = No account yet?

reset-title = Forgot your password
reset-lead = Enter the email address of your account. We will send you a link to choose a new password.
reset-submit = Send me a link
reset-sent-title = Check your email
reset-sent-body = If an account uses this address, we have sent it a link to choose a new password. The link works for one hour. If nothing arrives, check your spam folder or ask again.
reset-request-again = Ask for a new link
reset-new-title = Choose a new password
set-password-title = Choose your password
reset-for = For the account { $email }.
reset-save = Save my password

account-title = My account
account-email = Email:
account-since = member since
account-save = Save
account-roles = Roles
account-change-password = Change my password
notice-welcome = Welcome to Sala! Your account is ready.
notice-saved = Your changes are saved.
notice-password-changed = Your new password is saved.

role-learner = Learner
role-publisher = Publisher
role-coordinator = Coordinator
role-admin = Administrator

kind-ministry = Ministry
kind-department = Department
kind-provincial_office = Provincial office
kind-district_office = District office
kind-ngo = NGO

admin-users = People
admin-organisations = Organisations
admin-search = Search by name or email
admin-search-submit = Search
admin-since = Joined
admin-no-users = Nobody found.
admin-grant = Give a role
admin-role = Role
admin-grant-submit = Give this role
admin-remove = Remove
admin-make-admin = Make administrator
admin-revoke-admin = Remove administrator rights
admin-need-organisation = Create an organisation first:
admin-no-organisations = There are no organisations yet.
admin-new-organisation = New organisation
admin-create = Create

publish-title = Publishing
publish-lead = Courses published by this organisation and the organisations below it will be listed here.
coordinate-title = Coordination
coordinate-people = People
coordinate-no-people = Nobody has chosen one of these offices yet.
workspace-organisations = Organisations

error-title-not-found = Page not found
error-title-forbidden = Not allowed
error-title-gone = Link no longer valid
error-title-throttled = Please wait
error-title-unavailable = Temporarily unavailable
error-title-bad-request = Something is wrong with the request
error-title-internal = Something went wrong
error-home-link = Go to the home page
error-not-found = We could not find this page. Check the address, or start again from the home page.
error-forbidden = Your account does not have permission to see this page.
error-csrf = This form has expired. Go back, reload the page and try again.
error-bad-request = The request could not be understood. Go back and try again.
error-too-large = What you sent is too large.
error-throttled = Too many attempts. Please try again in { $minutes } minutes.
error-throttled-generic = Too many attempts. Please try again in a few minutes.
error-link-invalid = This link has expired or was already used. Ask for a new one.
error-registration-closed = New accounts are created by invitation only. Ask your coordinator for an invitation.
error-unavailable = Sala cannot reach its database right now. Please try again in a minute; nothing you did was lost.
error-internal = An error occurred on our side. It has been recorded. Please try again.
error-bad-credentials = The email address or password is not correct.
error-email-missing = Enter your email address.
error-email-invalid = Enter an email address like name@example.org.
error-email-taken = An account with this email address already exists. Sign in, or ask for a new password.
error-password-short = The password must have at least 8 characters.
error-password-long = The password is too long (256 characters at most).
error-name-km-missing = Enter your name in Khmer script.
error-name-km-script = Write this name in Khmer script.
error-name-latin-missing = Enter your name in Latin script.
error-name-latin-script = Write this name in Latin letters.
error-name-long = This name is too long.
error-text-long = This text is too long.
error-required = This field is required.
error-choose-one = Choose one of the options in the list.
error-choose-organisation = Choose an organisation from the list.
error-slug = Use 2 to 60 lower-case letters, digits and hyphens.
error-slug-taken = Another organisation already uses this short name.
error-last-admin = The last administrator cannot give up this role.

email-reset-subject = Choose a new password for Sala
email-reset-greeting = Hello { $name },
email-reset-body = Somebody (probably you) asked to choose a new password for your Sala account. Open this link within { $minutes } minutes:
email-reset-ignore = If you did not ask for this, ignore this email: your password stays as it is.
email-signature = Sala
