"""Everything the Rasa server process loads: input channels (``channels/``, named in
credentials.yml), the tracker store and lock store (endpoints.yml), the custom NLU components
(``components``, named in config.yml), the prediction graph runner, the patches of Rasa internals,
the failure probes and the retry of kept messages.

Start Rasa with ``python -m bot.rasa_server run ...`` (``__main__``): it calls ``install()``, which
checks the Rasa version and the patched names and applies the patches, before Rasa starts.
The rest of ``bot`` does not import this package.
"""
