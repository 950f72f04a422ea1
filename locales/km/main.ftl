# ចំណុចប្រទាក់របស់សាលាជាភាសាខ្មែរ។ សារនីមួយៗត្រូវមាននៅក្នុង ../en/main.ftl ដែរ។
# Sala's interface in Khmer. Every message here must also be in ../en/main.ftl.

site-name = សាលា
footer = សាលា — វគ្គសិក្សាសម្រាប់មន្ត្រីរាជការ
nav-label = ម៉ឺនុយមេ
nav-account = គណនីរបស់ខ្ញុំ
nav-admin = ការគ្រប់គ្រង
sign-in = ចូលគណនី
sign-out = ចាកចេញ
register = បង្កើតគណនី
open = បើក
next = បន្ទាប់
previous = មុន

home-title = រៀនតាមល្បឿនរបស់អ្នក
home-lead = វគ្គសិក្សាខ្លីៗពីក្រសួង នៅលើទូរស័ព្ទ ឬកុំព្យូទ័រការិយាល័យ ជាភាសាខ្មែរ និងអង់គ្លេស។ បញ្ចប់វគ្គសិក្សា ដើម្បីទទួលបានវិញ្ញាបនបត្រដែលចុះហត្ថលេខាដោយក្រសួង។
home-register = ឬបង្កើតគណនី
home-publish = អ្នកផ្សព្វផ្សាយវគ្គសិក្សាសម្រាប់៖
home-coordinate = អ្នកសម្របសម្រួលអ្នកសិក្សានៅ៖

register-title = បង្កើតគណនី
register-lead = ឈ្មោះរបស់អ្នកនឹងបង្ហាញលើវិញ្ញាបនបត្រ ដូចដែលអ្នកសរសេរនៅទីនេះ។
register-submit = បង្កើតគណនីរបស់ខ្ញុំ
register-have-account = មានគណនីរួចហើយឬ?
form-has-errors = សូមកែតម្រូវចន្លោះដែលបានសម្គាល់ខាងក្រោម។

field-name-km = ឈ្មោះជាអក្សរខ្មែរ
field-name-latin = ឈ្មោះជាអក្សរឡាតាំង
field-email = អាសយដ្ឋានអ៊ីមែល
field-password = ពាក្យសម្ងាត់
field-new-password = ពាក្យសម្ងាត់ថ្មី
field-position = មុខតំណែង
field-province = ខេត្ត
field-office = ការិយាល័យ
field-organisation = អង្គភាព
field-language = ភាសា
field-org-name-km = ឈ្មោះជាភាសាខ្មែរ
field-org-name-en = ឈ្មោះជាភាសាអង់គ្លេស
field-slug = ឈ្មោះខ្លីសម្រាប់អាសយដ្ឋានវេប
field-kind = ប្រភេទ
field-parent = ជាផ្នែកនៃ
hint-name-km = ដូចនៅលើអត្តសញ្ញាណប័ណ្ណ ឧទាហរណ៍ សុខ ចាន់ធា។
hint-name-latin = ដូចនៅក្នុងលិខិតឆ្លងដែន ឧទាហរណ៍ Sok Chantha។
hint-password = យ៉ាងតិច ៨ តួអក្សរ។ ពាក្យពីរបីដែលអ្នកចងចាំបាន គឺជាពាក្យសម្ងាត់ល្អ។
hint-slug = អក្សរឡាតាំងតូច លេខ និងសញ្ញា - ឧទាហរណ៍ pdrd-kratie។

sign-in-forgot = ភ្លេចពាក្យសម្ងាត់?
sign-in-no-account = មិនទាន់មានគណនី?

reset-title = ភ្លេចពាក្យសម្ងាត់
reset-lead = បញ្ចូលអាសយដ្ឋានអ៊ីមែលនៃគណនីរបស់អ្នក។ យើងនឹងផ្ញើតំណមួយ ដើម្បីជ្រើសរើសពាក្យសម្ងាត់ថ្មី។
reset-submit = ផ្ញើតំណមកខ្ញុំ
reset-sent-title = សូមពិនិត្យអ៊ីមែលរបស់អ្នក
reset-sent-body = ប្រសិនបើមានគណនីប្រើអាសយដ្ឋាននេះ យើងបានផ្ញើតំណមួយ ដើម្បីជ្រើសរើសពាក្យសម្ងាត់ថ្មី។ តំណនេះប្រើបានរយៈពេលមួយម៉ោង។ បើមិនទទួលបានទេ សូមពិនិត្យថតសារឥតបានការ ឬស្នើម្តងទៀត។
reset-request-again = ស្នើសុំតំណថ្មី
reset-new-title = ជ្រើសរើសពាក្យសម្ងាត់ថ្មី
set-password-title = ជ្រើសរើសពាក្យសម្ងាត់របស់អ្នក
reset-for = សម្រាប់គណនី { $email }។
reset-save = រក្សាទុកពាក្យសម្ងាត់

account-title = គណនីរបស់ខ្ញុំ
account-email = អ៊ីមែល៖
account-since = ជាសមាជិកតាំងពី
account-save = រក្សាទុក
account-roles = តួនាទី
account-change-password = ប្តូរពាក្យសម្ងាត់
notice-welcome = សូមស្វាគមន៍មកកាន់សាលា! គណនីរបស់អ្នករួចរាល់ហើយ។
notice-saved = ការផ្លាស់ប្តូររបស់អ្នកត្រូវបានរក្សាទុក។
notice-password-changed = ពាក្យសម្ងាត់ថ្មីរបស់អ្នកត្រូវបានរក្សាទុក។

role-learner = អ្នកសិក្សា
role-publisher = អ្នកផ្សព្វផ្សាយ
role-coordinator = អ្នកសម្របសម្រួល
role-admin = អ្នកគ្រប់គ្រង

kind-ministry = ក្រសួង
kind-department = នាយកដ្ឋាន
kind-provincial_office = មន្ទីរខេត្ត
kind-district_office = ការិយាល័យស្រុក
kind-ngo = អង្គការមិនមែនរដ្ឋាភិបាល

admin-users = បុគ្គល
admin-organisations = អង្គភាព
admin-search = ស្វែងរកតាមឈ្មោះ ឬអ៊ីមែល
admin-search-submit = ស្វែងរក
admin-since = ចូលរួមនៅ
admin-no-users = រកមិនឃើញនរណាម្នាក់ទេ។
admin-grant = ផ្តល់តួនាទី
admin-role = តួនាទី
admin-grant-submit = ផ្តល់តួនាទីនេះ
admin-remove = ដកចេញ
admin-make-admin = ធ្វើជាអ្នកគ្រប់គ្រង
admin-revoke-admin = ដកសិទ្ធិអ្នកគ្រប់គ្រង
admin-need-organisation = សូមបង្កើតអង្គភាពជាមុនសិន៖
admin-no-organisations = មិនទាន់មានអង្គភាពនៅឡើយទេ។
admin-new-organisation = អង្គភាពថ្មី
admin-create = បង្កើត

publish-title = ការផ្សព្វផ្សាយ
publish-lead = វគ្គសិក្សាដែលផ្សព្វផ្សាយដោយអង្គភាពនេះ និងអង្គភាពក្រោមឱវាទ នឹងបង្ហាញនៅទីនេះ។
coordinate-title = ការសម្របសម្រួល
coordinate-people = បុគ្គល
coordinate-no-people = មិនទាន់មាននរណាម្នាក់ជ្រើសរើសការិយាល័យទាំងនេះនៅឡើយទេ។
workspace-organisations = អង្គភាព

error-title-not-found = រកមិនឃើញទំព័រ
error-title-forbidden = មិនអនុញ្ញាត
error-title-gone = តំណលែងប្រើបានហើយ
error-title-throttled = សូមរង់ចាំ
error-title-unavailable = មិនអាចប្រើបានបណ្តោះអាសន្ន
error-title-bad-request = សំណើមានបញ្ហា
error-title-internal = មានបញ្ហាកើតឡើង
error-home-link = ទៅទំព័រដើម
error-not-found = យើងរកមិនឃើញទំព័រនេះទេ។ សូមពិនិត្យអាសយដ្ឋាន ឬចាប់ផ្តើមម្តងទៀតពីទំព័រដើម។
error-forbidden = គណនីរបស់អ្នកមិនមានសិទ្ធិមើលទំព័រនេះទេ។
error-csrf = ទម្រង់នេះផុតកំណត់ហើយ។ សូមត្រឡប់ក្រោយ ផ្ទុកទំព័រឡើងវិញ ហើយព្យាយាមម្តងទៀត។
error-bad-request = មិនអាចយល់សំណើនេះបានទេ។ សូមត្រឡប់ក្រោយ ហើយព្យាយាមម្តងទៀត។
error-too-large = អ្វីដែលអ្នកបានផ្ញើធំពេក។
error-throttled = ព្យាយាមច្រើនដងពេក។ សូមព្យាយាមម្តងទៀតក្នុងរយៈពេល { $minutes } នាទី។
error-throttled-generic = ព្យាយាមច្រើនដងពេក។ សូមព្យាយាមម្តងទៀតក្នុងរយៈពេលប៉ុន្មាននាទីទៀត។
error-link-invalid = តំណនេះផុតកំណត់ ឬត្រូវបានប្រើរួចហើយ។ សូមស្នើសុំតំណថ្មី។
error-registration-closed = គណនីថ្មីត្រូវបានបង្កើតតាមការអញ្ជើញប៉ុណ្ណោះ។ សូមស្នើការអញ្ជើញពីអ្នកសម្របសម្រួលរបស់អ្នក។
error-unavailable = សាលាមិនអាចភ្ជាប់ទៅមូលដ្ឋានទិន្នន័យបានទេឥឡូវនេះ។ សូមព្យាយាមម្តងទៀតក្នុងរយៈពេលមួយនាទី។ អ្វីដែលអ្នកបានធ្វើមិនបាត់បង់ទេ។
error-internal = មានកំហុសកើតឡើងនៅខាងយើង។ វាត្រូវបានកត់ត្រាទុក។ សូមព្យាយាមម្តងទៀត។
error-bad-credentials = អាសយដ្ឋានអ៊ីមែល ឬពាក្យសម្ងាត់មិនត្រឹមត្រូវទេ។
error-email-missing = សូមបញ្ចូលអាសយដ្ឋានអ៊ីមែលរបស់អ្នក។
error-email-invalid = សូមបញ្ចូលអាសយដ្ឋានអ៊ីមែលដូចជា name@example.org។
error-email-taken = មានគណនីមួយប្រើអាសយដ្ឋានអ៊ីមែលនេះរួចហើយ។ សូមចូលគណនី ឬស្នើសុំពាក្យសម្ងាត់ថ្មី។
error-password-short = ពាក្យសម្ងាត់ត្រូវមានយ៉ាងតិច ៨ តួអក្សរ។
error-password-long = ពាក្យសម្ងាត់វែងពេក (យ៉ាងច្រើន ២៥៦ តួអក្សរ)។
error-name-km-missing = សូមបញ្ចូលឈ្មោះរបស់អ្នកជាអក្សរខ្មែរ។
error-name-km-script = សូមសរសេរឈ្មោះនេះជាអក្សរខ្មែរ។
error-name-latin-missing = សូមបញ្ចូលឈ្មោះរបស់អ្នកជាអក្សរឡាតាំង។
error-name-latin-script = សូមសរសេរឈ្មោះនេះជាអក្សរឡាតាំង។
error-name-long = ឈ្មោះនេះវែងពេក។
error-text-long = អត្ថបទនេះវែងពេក។
error-required = ចន្លោះនេះត្រូវតែបំពេញ។
error-choose-one = សូមជ្រើសរើសជម្រើសមួយក្នុងបញ្ជី។
error-choose-organisation = សូមជ្រើសរើសអង្គភាពមួយពីបញ្ជី។
error-slug = សូមប្រើអក្សរឡាតាំងតូច លេខ និងសញ្ញា - ចំនួនពី ២ ដល់ ៦០ តួ។
error-slug-taken = អង្គភាពមួយផ្សេងទៀតកំពុងប្រើឈ្មោះខ្លីនេះរួចហើយ។
error-last-admin = អ្នកគ្រប់គ្រងចុងក្រោយមិនអាចបោះបង់តួនាទីនេះបានទេ។

email-reset-subject = ជ្រើសរើសពាក្យសម្ងាត់ថ្មីសម្រាប់សាលា
email-reset-greeting = សួស្តី { $name }
email-reset-body = មាននរណាម្នាក់ (ប្រហែលជាអ្នក) បានស្នើសុំជ្រើសរើសពាក្យសម្ងាត់ថ្មីសម្រាប់គណនីសាលារបស់អ្នក។ សូមបើកតំណនេះក្នុងរយៈពេល { $minutes } នាទី៖
email-reset-ignore = ប្រសិនបើអ្នកមិនបានស្នើសុំទេ សូមកុំខ្វល់ពីអ៊ីមែលនេះ៖ ពាក្យសម្ងាត់របស់អ្នកនៅដដែល។
email-signature = សាលា
