"""The NLU's rules and tools outside the Rasa server: text normalisation, the readings that correct
the classifier, the generated jieba dictionary, the model fingerprint and the evaluation. The Rasa
pipeline components that apply them are in bot.rasa_server.components."""
