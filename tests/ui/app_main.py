"""The app as the NiceGUI User fixture runs it (`runpy` with run_name='__main__')."""

from nicegui import ui

from desk.ui.app import build

build()
ui.run(storage_secret="user-fixture secret", reload=False, show=False)
