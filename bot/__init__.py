"""Citizen guidance assistant for Hanoi: domain logic free of Rasa imports."""
