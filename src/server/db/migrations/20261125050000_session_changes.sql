-- Parent classes (issue 5): staff may move a session before it starts; every guardian with a booking is told with a
-- notification of the new kind 'session_changed'.
alter table class_notifications drop constraint class_notifications_kind_check;
alter table class_notifications add constraint class_notifications_kind_check
  check (kind in ('reminder', 'promoted', 'session_cancelled', 'session_changed', 'booking_cancelled', 'enrolled'));
