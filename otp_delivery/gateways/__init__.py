"""How a message leaves the portal: the SMS backends (`sms`, chosen by `SMS_BACKEND`) and
the email gateway (`email`, Django's mail backend). Gateways send and report; they keep
no records (that is `otp_delivery.services.deliveries`) and never log a message's text."""
