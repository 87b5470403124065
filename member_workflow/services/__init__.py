"""Writes about members: memberships, registration, passwords, profile, inbound SMS, import.

Every function here is keyword-only, atomic, checks permission and state itself, and
writes its audit entry in the same transaction.
"""
